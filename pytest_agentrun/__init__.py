"""pytest-agentrun: decide whether an AgentRun release lane is fit to sign off."""

__version__ = "0.1.0"
