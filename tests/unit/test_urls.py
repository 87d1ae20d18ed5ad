import pytest

from desktop_app.canvas.urls import normalise_base_url, same_origin


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("canvas.example.edu", "https://canvas.example.edu"),
        ("https://canvas.example.edu/", "https://canvas.example.edu"),
        ("https://Canvas.Example.edu/api/v1/", "https://canvas.example.edu"),
        ("https://canvas.example.edu/api/v1/courses?x=1", "https://canvas.example.edu/api/v1/courses"),
        ("  https://school.instructure.com/api  ", "https://school.instructure.com"),
        ("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://lms.example.org/canvas/api/v1", "https://lms.example.org/canvas"),
    ],
)
def test_normalises_what_people_paste(pasted: str, expected: str) -> None:
    assert normalise_base_url(pasted) == expected


@pytest.mark.parametrize(
    ("pasted", "fragment"),
    [
        ("", "Enter the address"),
        ("http://canvas.example.edu", "https://"),
        ("ftp://canvas.example.edu", "not a web address"),
        ("https://", "no host"),
        ("https://user:pw@canvas.example.edu", "access token"),
        ("https://canvas.example.edu:99999", "port"),
    ],
)
def test_refuses_bad_addresses_with_a_reason(pasted: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        normalise_base_url(pasted)


def test_same_origin_compares_scheme_host_and_port() -> None:
    assert same_origin("https://a.edu/x", "https://A.edu:443/y")
    assert not same_origin("https://a.edu", "http://a.edu")
    assert not same_origin("http://127.0.0.1:1", "http://127.0.0.1:2")
    assert not same_origin("https://a.edu", "https://files.a.edu")


def test_host_for_people_keeps_a_port_that_is_not_the_default() -> None:
    from desktop_app.canvas.redact import host_for_people

    assert host_for_people("http://127.0.0.1:1/api/v1/users/self") == "127.0.0.1:1"
    assert host_for_people("https://canvas.school.edu/api/v1") == "canvas.school.edu"
    assert host_for_people("https://canvas.school.edu:443/") == "canvas.school.edu"
    assert host_for_people("https://canvas.school.edu:8443/") == "canvas.school.edu:8443"
    assert host_for_people("http://[::1]:8080/") == "[::1]:8080"
