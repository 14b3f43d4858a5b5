"""How a simulated user signs in: with the email and password of an account.

`make loadtest` creates a load-test administrator with a fresh random password on the
server it starts; against another server (LOADTEST_HOST), set LOADTEST_EMAIL and
LOADTEST_PASSWORD to an account of its own.
"""

import os

from locust.clients import HttpSession


def sign_in(client: HttpSession) -> int:
    """Sign the client's requests in; the id of the user they act as."""
    credentials = {
        "email": os.environ["LOADTEST_EMAIL"],
        "password": os.environ["LOADTEST_PASSWORD"],
    }
    tokens = client.post("/api/v1/auth/token", json=credentials, name="sign in").json()
    client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    return client.get("/api/v1/users/me").json()["id"]
