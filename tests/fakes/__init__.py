"""Local fakes of remote services, speaking their real HTTP APIs, for tests of every package."""
