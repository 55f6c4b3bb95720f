# aiguard.hardening: the two commands a newcomer needs are `make demo` and
# `make test`; the other targets are their parts.
SHELL := /bin/bash
VENV := .venv/bin
export PATH := $(CURDIR)/$(VENV):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.cache/collections
export CONTAINERS_CONF ?= $(CURDIR)/.config/containers.conf
INVENTORY ?= inventories/lab

.PHONY: help bootstrap images lab-up lab-down lab-status site demo test lint unit integration molecule scenario bot-data clean

help:
	@echo "make demo       install what is needed, bring up the lab fleet and run playbooks/site.yml on it"
	@echo "make test       run every test: lint, unit, integration (collection build/install, lab scripts), all Molecule scenarios"
	@echo "make scenario S=NAME   run one Molecule scenario (molecule test -s NAME)"
	@echo "make bot-data   rebuild the bot filter catalog from its public sources (downloads them) and show what changed"
	@echo "make lab-up | lab-down | lab-status | site | images | bootstrap | clean"

bootstrap:
	scripts/bootstrap.sh

images: bootstrap
	scripts/build-images.sh all

lab-up: bootstrap
	scripts/lab.sh up

lab-down:
	scripts/lab.sh down

lab-status:
	scripts/lab.sh status

site: bootstrap
	ansible-playbook -i $(INVENTORY) playbooks/site.yml

demo: lab-up site

test:
	scripts/test.sh

lint:
	scripts/test.sh lint

unit:
	scripts/test.sh unit

integration:
	scripts/test.sh integration

molecule:
	scripts/test.sh molecule

scenario: images
	@test -n "$(S)" || { echo "usage: make scenario S=NAME (one of: $$(ls molecule))"; exit 2; }
	molecule test -s $(S)

bot-data:
	$(VENV)/python scripts/bot-data.py

clean: lab-down
	rm -rf .cache aiguard-hardening-*.tar.gz
