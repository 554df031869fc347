#!/usr/bin/env bash
# Deploy the durable function, start an execution, and follow it (run from examples/sam/).
set -euo pipefail

# --8<-- [start:deploy]
sam build
sam deploy --guided   # first time; then `sam deploy`
# --8<-- [end:deploy]

# --8<-- [start:invoke]
aws lambda invoke --function-name "$FUNCTION_ALIAS_ARN" \
  --invocation-type Event --durable-execution-name order-o-1 \
  --cli-binary-format raw-in-base64-out --payload '{"order_id": "o-1"}' response.json
aws lambda list-durable-executions-by-function --function-name "$FUNCTION_ALIAS_ARN"
aws lambda get-durable-execution-history --durable-execution-arn "$EXECUTION_ARN"
# --8<-- [end:invoke]
