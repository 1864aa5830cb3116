"""Open311 GeoReport v2 on the portal (``/open311/v2/``): the city's petition types × agencies as
services, petitions as service requests, in JSON and XML.

Anyone may read the petitions the portal publishes (public ones with a reply, never a report); a key
holder also reads the ones filed with its key. Filing needs an API key (``keys.open311_key_agent``).
"""
