from powertools_durable import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> list:
    regions = set(event["regions"])
    return [context.step(lambda _, r=r: f"deployed {r}", name=f"deploy-{r}") for r in regions]
