"""The REST API (/api/v1/): thin views over the same selectors, FilterSet, permissions and
services as the web pages, so that no rule exists twice."""
