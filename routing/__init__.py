"""Routing: duty roster, lawyer presence, skills, queues, offers and referral rules."""
