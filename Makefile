# The two commands a newcomer types: `make demo` and `make test` (see README.md).
.PHONY: all build demo test test-fast bench bench-smoke format tidy clean stop

all: build

build:
	@bash scripts/build

demo:
	@bash scripts/demo

test:
	@bash scripts/test

# The suite once, without the sanitizer build and the fuzzers.
test-fast:
	@SLUICE_TEST_QUICK=1 bash scripts/test

# sluice beside the Airflow + pandas stack (tens of minutes): bench/results/, docs/PERFORMANCE.md.
bench:
	@bash scripts/bench

# Seconds: the flagship at scale 1 with sluice and the limits only.
bench-smoke:
	@bash scripts/bench --smoke

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

tidy:
	@bash scripts/tidy

stop:
	@bash scripts/stop

clean:
	rm -rf build build-asan build-fuzz
