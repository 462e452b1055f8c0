"""Autograded deep-learning exercises: release, isolated grading, reports. See README.md."""
