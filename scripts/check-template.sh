#!/usr/bin/env bash
# Static checks of the CloudFormation template `npm run package` wrote to .serverless/ and of the
# delivery roles in infra/aws/: cfn-lint (settings in .cfnlintrc.yaml) and checkov. Every checkov finding is fixed in
# serverless.yml or skipped there with its reason (resources' Metadata.checkov.skip).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(bash scripts/testenv/iac-lint.sh | tail -n 1)
template=.serverless/cloudformation-template-update-stack.json
[ -f "$template" ] || { echo "no $template: run npm run package first" >&2; exit 1; }
"$bin/cfn-lint"
echo "cfn-lint: no findings"
# --skip-download: checkov's guideline links come from a vendor API; nothing leaves this machine.
"$bin/checkov" --file "$template" --framework cloudformation --skip-download --compact --quiet
for file in infra/aws/*.yaml; do
  "$bin/checkov" --file "$file" --framework cloudformation --skip-download --compact --quiet
done
# Every IAM wildcard in the template is listed in infra/iam/wildcards.yaml with its reason.
node_modules/.bin/node scripts/check-iam.ts
