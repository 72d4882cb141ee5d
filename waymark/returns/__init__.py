"""Provider returns pages: a provider's own exact figures, the OPCC's suppressed copy, exports."""
