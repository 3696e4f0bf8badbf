# `make test` and `make demo` install what they need on a fresh Debian machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := slapd ldap-utils dovecot-core dovecot-imapd isync openssl ca-certificates python3-venv
STAMP := $(VENV)/.installed

.PHONY: test demo lint typecheck system-packages clean

test: $(STAMP)
	$(BIN)/ruff check src lab tests bench
	$(BIN)/ruff format --check src lab tests bench
	$(BIN)/mypy
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/python -m lab.demo

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml | system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
