"""Packaging that globs: every package under agent/, collector/, tierwatch_common/ and tierwatch_demo/,
and config/ shipped as the `tierwatch_config` package (profiles, example configs, the demo hall,
systemd units, Prometheus and Alertmanager files), so a file added there needs no change here."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["agent*", "collector*", "tierwatch_common*", "tierwatch_demo*"])
    + ["tierwatch_config"],
    package_dir={"tierwatch_config": "config"},
    package_data={"": ["*.yaml", "*.html", "*.css"],
                  "tierwatch_config": ["*.yaml", "*/*.yaml", "*/*.yml", "*/*/*.yml", "*/*.md",
                                       "systemd/*"]},
    include_package_data=False,
)
