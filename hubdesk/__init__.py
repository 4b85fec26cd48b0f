"""HubDesk: the helpdesk bot for Ukrainian community hubs in the Netherlands."""

__version__ = "0.1.0"
