# The two commands in README.md. Everything else lives in scripts/.
.PHONY: run test bench lint

run:
	scripts/run-demo.sh

test:
	scripts/run-tests.sh

bench:
	scripts/run-bench.sh

lint:
	scripts/bootstrap.sh test && .venv/bin/ruff check . && .venv/bin/ruff format --check .
