"""AWS's language-neutral conformance requirements, checked offline against the emulator.

``requirements`` loads a directory of requirement YAMLs, ``matcher`` compares an execution's
history and result with what a requirement expects (the rules of AWS's validator), and
``runner`` starts the emulator on a SAM template and runs each mapped function.
"""
