"""Physics-based simulators that generate paired (input, target) training data."""
