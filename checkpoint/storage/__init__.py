"""Storage stage: database, models, migrations, the stored steps, ledger, audit."""
