"""REST API of this app: serializers validate shape, views call selectors and services."""
