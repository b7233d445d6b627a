# The two commands of the README: `make dev` runs the product with demo data, `make test` runs
# every test. Both install and start what they need on a fresh Debian machine.
.PHONY: dev test bench package deploy secrets services stop

dev:
	infra/scripts/dev.sh

test:
	infra/scripts/test.sh

bench:
	infra/scripts/bench.sh

# The Lambda artifacts as `sam build` makes them (.aws-sam/build/<LogicalId>/bootstrap): every
# function, or the logical ids in FUNCTIONS (make package FUNCTIONS="H5MeFunction JobSettlementFunction").
package:
	infra/scripts/package.sh $(FUNCTIONS)

# Build, `sam deploy` (guided the first time), upload both web apps, invalidate CloudFront.
# GPET_STACK (default gpet), AWS_REGION (cn-north-1/cn-northwest-1: AWS China), and
# GPET_SECRETS_FILE to write the partner secrets first. See infra/scripts/deploy.sh.
deploy:
	infra/scripts/deploy.sh deploy

# Create or update the partner secrets gpet/<stack>/<part> from GPET_SECRETS_FILE (a JSON file
# outside the repository shaped like infra/deploy/secrets.example.json).
secrets:
	infra/scripts/deploy.sh secrets

services:
	infra/scripts/services.sh

stop:
	infra/scripts/services.sh --stop
