"""Authentication and authorisation: who the caller is, and what they may do.

`setup.py` binds it all to the app; `callers.py` says who is calling; `policies.py`
declares and enforces who may call each operation (deny by default); `tokens.py`
signs callers in with email and password and checks their tokens; `passwords.py`
hashes passwords; `routes.py` is /api/v1/auth; `mail.py` sends password resets;
`commands.py` is `flask users`.
"""
