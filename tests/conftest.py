"""Shared fixtures of the kit's own tests."""
import pytest
from helpers import ROOT

from autograder import config


@pytest.fixture(scope="session")
def course() -> config.Config:
    return config.load(ROOT / "grading.toml")


@pytest.fixture(scope="session")
def convolution(course) -> config.Assignment:
    return course.assignment("convolution")
