"""Helpers of the supervised processes."""
from bot.stack.supervisor import port_in_use
from tests.bot.stack.stack_env import closed_port


def test_port_in_use_tells_a_taken_port_from_a_free_one(listening_port):
    assert port_in_use("127.0.0.1", listening_port)
    assert not port_in_use("127.0.0.1", closed_port())
