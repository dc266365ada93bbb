# The two commands a newcomer types: `make demo` and `make test` (see README.md).
.PHONY: all build demo test test-fast bench format tidy clean stop

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

bench:
	@bash scripts/bench

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

tidy:
	@bash scripts/tidy

stop:
	@bash scripts/stop

clean:
	rm -rf build build-asan build-fuzz
