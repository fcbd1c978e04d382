"""The price feed is a (simulated) remote service that answers in time only about half of the time:
the kind of test offload retries and reports as flaky. SHOPKIT_FEED=up or =down pins its answer."""
import os
import random
import time

import pytest


@pytest.mark.network
def test_feed_answers_in_time():
    time.sleep(0.2)
    state = os.environ.get("SHOPKIT_FEED") or random.choice(["up", "down"])
    assert state == "up", "the price feed did not answer within 200 ms"
