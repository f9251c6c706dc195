"""One router module per topic; routers only translate between HTTP and the engine."""
