"""Accounts and shifts: staff, sign-in and permissions, the rota, the site."""
