#!/usr/bin/env bash
# The local emulator, from the command line (run from the directory holding template.yaml).
set -euo pipefail

# --8<-- [start:start]
powertools-durable local start --template template.yaml --port 5000 --time-scale 60
# --8<-- [end:start]

# --8<-- [start:start-sam]
powertools-durable local start --parameter-overrides Stage=dev ParameterKey=LogLevel,ParameterValue=DEBUG \
  --env-vars env-vars.json --region eu-west-1
# --8<-- [end:start-sam]

# --8<-- [start:cli]
powertools-durable local invoke OrderFunction --input '{"order_id": "o-1"}' --wait
powertools-durable local executions OrderFunction
powertools-durable local history "$EXECUTION_ARN" --logs
# --8<-- [end:cli]

# --8<-- [start:aws]
aws lambda invoke --endpoint-url http://127.0.0.1:5000 --function-name OrderFunction \
  --cli-binary-format raw-in-base64-out --payload '{"order_id": "o-1"}' response.json
aws lambda get-durable-execution-history --endpoint-url http://127.0.0.1:5000 --durable-execution-arn "$EXECUTION_ARN"
# --8<-- [end:aws]

# --8<-- [start:callback]
powertools-durable local history "$EXECUTION_ARN"
powertools-durable local callback succeed "$CALLBACK_ID" --payload '{"approved": true}'
powertools-durable local callback succeed "$CALLBACK_ID" --payload approved
powertools-durable local callback fail "$CALLBACK_ID" --error-type Rejected --error-message "over budget"
powertools-durable local callback heartbeat "$CALLBACK_ID"
# --8<-- [end:callback]

# --8<-- [start:aws-callback]
aws lambda send-durable-execution-callback-success --endpoint-url http://127.0.0.1:5000 \
  --cli-binary-format raw-in-base64-out --callback-id "$CALLBACK_ID" --result '{"approved": true}'
# --8<-- [end:aws-callback]

# --8<-- [start:sam]
export DURABLE_EXECUTIONS_EXTERNAL_EMULATOR_PORT=5000
sam local execution get "$EXECUTION_ARN"
sam local execution history "$EXECUTION_ARN" --format json
# --8<-- [end:sam]

# --8<-- [start:sam-callback]
sam local callback succeed "$CALLBACK_ID" -r '{"approved": true}'
sam local callback fail "$CALLBACK_ID" --error-type Rejected --error-message "over budget"
sam local callback heartbeat "$CALLBACK_ID"
# --8<-- [end:sam-callback]
