"""HTTP for IP custody, by sub-domain: agreements, custody assets (annuities, payments, reminders),
portfolios (JSON, CSV, iCalendar feed) and pledges."""
