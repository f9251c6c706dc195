"""The course's trainable models, with weights shipped in `weights/`."""
