"""The Python half: the same conversions, and a test of the command-line wrapper."""
import time

import pytest


def miles_to_km(miles):
    return miles * 1.609344


def test_a_marathon_is_42_km():
    assert round(miles_to_km(26.2188), 1) == 42.2


@pytest.mark.parametrize("miles,km", [(0, 0), (1, 1.609), (10, 16.093)])
def test_conversion_table(miles, km):
    assert round(miles_to_km(miles), 3) == km


def test_a_slow_lookup():
    time.sleep(0.3)
    assert miles_to_km(100) > 160


def test_rounding_is_banker_s():
    # Wrong on purpose: Python rounds half to even, so round(0.5) is 0 — the example's Python failure.
    assert round(0.5) == 1


@pytest.mark.skip(reason="needs the network")
def test_exchange_rates():
    pass
