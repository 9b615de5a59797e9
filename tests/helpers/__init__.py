"""Test helpers shared across test packages (throwaway PostgreSQL and Redis servers)."""
