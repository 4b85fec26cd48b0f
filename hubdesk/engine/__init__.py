"""The answer engine: pure and fast. Text in; language, crisis, intent and ranked articles out. No I/O."""
