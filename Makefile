# healthgate — the commands README.md promises. Each installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:
	@echo "make demo   run the gate on its simulated board over a set of generated visitors"
	@echo "make test   run every test suite (unit, end-to-end, drivers under qemu)"
	@echo "make bench  release-mode benchmarks (hot path, entry log)"
	@echo "make deb    build the Debian package"
	@echo "make deps   install the Debian packages the build needs"

deps:
	@scripts/install-deps.sh

demo: deps
	@scripts/demo.sh

test: deps
	@scripts/test.sh

bench: deps
	@scripts/bench.sh

deb: deps
	@packaging/build-deb.sh

.PHONY: help deps demo test bench deb
