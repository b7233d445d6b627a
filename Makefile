# The two commands of the README: `make dev` runs the product with demo data, `make test` runs
# every test. Both install and start what they need on a fresh Debian machine.
.PHONY: dev test bench package services stop

dev:
	infra/scripts/dev.sh

test:
	infra/scripts/test.sh

bench:
	infra/scripts/bench.sh

package:
	infra/scripts/package.sh

services:
	infra/scripts/services.sh

stop:
	infra/scripts/services.sh --stop
