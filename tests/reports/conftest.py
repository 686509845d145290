import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The `users` fixture hashes four passwords; PBKDF2's million rounds made each test ~4 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
