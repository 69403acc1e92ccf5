"""The duty roster: lawyer profiles, shifts, exceptions, holidays; who is on duty."""
