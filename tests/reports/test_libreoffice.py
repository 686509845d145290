import pytest

from .libreoffice import soffice


def test_without_libreoffice_the_workbook_tests_skip_locally_and_fail_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no soffice on it
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        soffice()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        soffice()
