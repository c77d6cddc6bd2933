"""Demo mode: the training-database seeder and the DEMO passes."""
