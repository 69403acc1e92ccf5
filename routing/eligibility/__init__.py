"""Legal-aid eligibility (法律援助法): pure rules, the law's text, matter guesses and office matching."""
