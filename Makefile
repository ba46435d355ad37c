# The model registry's commands. `make help` lists them. ENV picks the environment (the stack name).
# The first run installs everything it needs: uv (into .bootstrap/), the workspace (.venv/, from
# uv.lock) and checkov (an isolated tool in .tools/, since its pins conflict with pulumi's).

ENV ?= local
STACKS := registry replication access
REVERSED := access replication registry
STACK ?=
PROJECT ?=
BASE ?= HEAD
OFFLINE ?=
# The sharded layout (docs/shards.md): SHARDED=1 runs every <env>.core and <env>.<shard> stack instead of the
# three <env> stacks, independent ones concurrently, at most JOBS at a time (`make -j N` sets it; default: the
# cores); CHANGED=1 only the stacks a change since BASE touches.
SHARDED ?=
CHANGED ?=
ONLY ?=
JOBS ?= $(or $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS))),$(shell nproc 2>/dev/null || echo 2))
# Free-text variables reach the tools through the environment, never pasted into a shell command line:
# `make diff 'BASE=HEAD; echo x'` is a revision git does not know, not a command. Option lists are split
# into words by the shell with globbing off (`set -f; ... $$PREVIEW_FLAGS`): words, never commands.
export BASE PROJECT PREVIEW_FLAGS DIFF_FLAGS DIFF_STATUS_FILE ONLY

PYTHON ?= python3
UV_VERSION := 0.13.8
CHECKOV_VERSION := 3.3.30
UV := .bootstrap/bin/uv
VENV := .venv
TOOLS := .tools
CHECKOV := $(TOOLS)/bin/checkov
MOTO_PORT ?= 5055
POLICY_PACK := $(CURDIR)/policy-pack
PACK_CONFIG := $(POLICY_PACK)/config/$(ENV).json
PULUMI_FLAGS := --non-interactive --policy-pack $(POLICY_PACK) --policy-pack-config $(PACK_CONFIG)

# Environments are data: one exists when every stack has a Pulumi.<env>.yaml and the pack a config/<env>.json.
PACK_ENVS := $(basename $(notdir $(wildcard policy-pack/config/*.json)))
ENVIRONMENTS := $(strip $(foreach e,$(PACK_ENVS),$(if $(strip $(foreach s,$(STACKS),$(if $(wildcard stacks/$(s)/Pulumi.$(e).yaml),,x))),,$(e))))

# ENV=local keeps Pulumi state in a file backend inside the repo (git-ignored); dev and prod use the
# backend you are logged in to (`pulumi login`), unless PULUMI_BACKEND_URL says otherwise.
ifeq ($(ENV),local)
export PULUMI_BACKEND_URL ?= file://$(CURDIR)/.pulumi-state
# The local state holds no secrets worth a passphrase; real environments must set their own.
export PULUMI_CONFIG_PASSPHRASE ?= local-only-not-a-secret
endif

.DEFAULT_GOAL := help
.PHONY: help install tools test lint check-pulumi check-stack check-env emulator emulator-stop local-reset \
        deploy-all preview-all destroy-all deploy preview destroy diff deployer-policies pack-bundle bench clean \
        shard-migration

# `make help`: every target with a `## ` description ($(NAME) shown with its value), then the variables.
HELP_VARS := ENV STACK PROJECT BASE OFFLINE PREVIEW_FLAGS MOTO_PORT SHARDED CHANGED ONLY JOBS
HELP_ROW := printf '  %-14s %-12s %s\n'

help: ## list the targets and the variables
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
	  | sed $(foreach v,$(HELP_VARS),-e 's|\$$($(v))|$($(v))|g') \
	  | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'
	@echo
	@echo "Variables (make TARGET NAME=value):"
	@$(HELP_ROW) NAME "NOW" "MEANING"
	@$(HELP_ROW) ENV "$(ENV)" "the environment and stack name: local (the emulator), dev or prod"
	@$(HELP_ROW) STACK "$(STACK)" "one stack for deploy, preview, destroy: registry, replication or access"
	@$(HELP_ROW) PROJECT "$(PROJECT)" "preview this Pulumi Python project directory offline instead"
	@$(HELP_ROW) BASE "$(BASE)" "the git revision that make diff compares with, e.g. origin/main"
	@$(HELP_ROW) OFFLINE "$(OFFLINE)" "1: preview offline even where the pulumi CLI is installed"
	@$(HELP_ROW) PREVIEW_FLAGS "$(PREVIEW_FLAGS)" "offline-preview options: --json, --json-file F, --sarif F, --junit F"
	@$(HELP_ROW) MOTO_PORT "$(MOTO_PORT)" "the port of the local AWS emulator (ENV=local)"
	@$(HELP_ROW) SHARDED "$(SHARDED)" "1: the sharded layout, <env>.core and <env>.<shard> stacks (docs/shards.md)"
	@$(HELP_ROW) CHANGED "$(CHANGED)" "1 (with SHARDED=1): only the stacks a change since BASE touches"
	@$(HELP_ROW) ONLY "$(ONLY)" "SHARDED=1: only these project/stack keys, e.g. registry/dev.nlp,access/dev.nlp"
	@$(HELP_ROW) JOBS "$(JOBS)" "SHARDED=1: stacks run at once, at most (make -j N sets it)"

# --- setup ------------------------------------------------------------------------------------

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv .bootstrap
	.bootstrap/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml $(UV)
	$(UV) sync --locked --quiet --compile-bytecode
	@touch $@

$(CHECKOV): $(UV)
	UV_TOOL_DIR=$(TOOLS)/uv-tools UV_TOOL_BIN_DIR=$(TOOLS)/bin $(UV) tool install --quiet checkov==$(CHECKOV_VERSION)

install: $(VENV)/.synced $(CHECKOV) ## install the workspace and checkov (done by every target that needs them)

tools: $(CHECKOV) ## install checkov as an isolated tool

# One pytest worker per core (pytest-xdist); a test file's tests share a worker, so its session fixtures run once.
test: install ## run the test suite on every core (no AWS account or pulumi CLI needed)
	$(VENV)/bin/pytest -n auto --dist loadfile

# actionlint checks the workflows (expressions, action inputs, permissions) and, through shellcheck on
# PATH, every `run:` script as bash; shellcheck checks the scripts the workflows and CI call.
lint: install ## ruff (lint, formatting); mypy on the stacks' library; the import layers (import-linter); actionlint and shellcheck on CI
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared/model_registry aws-facts/aws_facts tools/deployer_policies
	$(VENV)/bin/lint-imports --no-cache
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck
	$(VENV)/bin/shellcheck .ci/run .github/scripts/*.sh

# --- the local AWS emulator (ENV=local) -------------------------------------------------------

# moto keeps resources in memory: every request is recorded in .moto/recording.jsonl and replayed when
# the emulator starts again, so it holds what .pulumi-state/ says exists (see tools/README.md).
emulator: $(VENV)/.synced ## start moto's server on 127.0.0.1:$(MOTO_PORT) for ENV=local (restores its resources)
	@$(VENV)/bin/python -m local_emulator start --port $(MOTO_PORT) --dir .moto --pulumi-state .pulumi-state

emulator-stop: ## stop the local emulator (its resources stay recorded in .moto/)
	@$(VENV)/bin/python -m local_emulator stop --dir .moto

local-reset: ## forget ENV=local entirely: stop the emulator, remove .moto/ and .pulumi-state/
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m local_emulator stop --dir .moto; fi
	rm -rf .moto .pulumi-state

# --- deploy with the pulumi CLI -----------------------------------------------------------------

check-pulumi:
	@command -v pulumi >/dev/null 2>&1 || { \
	  echo "error: the pulumi CLI is not installed, so nothing was deployed." >&2; \
	  echo "  Install it (https://www.pulumi.com/docs/install/, e.g. 'curl -fsSL https://get.pulumi.com | sh')," >&2; \
	  echo "  then run this command again. Without it, 'make preview-all' still previews offline." >&2; \
	  exit 1; }

# Checked by make itself, before any shell sees the value (make's own exit status for it is 2).
check-stack:
	$(if $(filter-out $(STACKS),$(STACK))$(if $(filter 1,$(words $(STACK))),,x),$(error STACK must be one of: $(STACKS) (got '$(STACK)')))

check-env:
	$(if $(filter-out $(ENVIRONMENTS),$(ENV))$(if $(filter 1,$(words $(ENV))),,x),$(error unknown environment '$(ENV)': this repository defines $(ENVIRONMENTS) (each needs stacks/*/Pulumi.<env>.yaml and policy-pack/config/<env>.json); nothing was run))

local-up = $(if $(filter local,$(ENV)),$(MAKE) --no-print-directory emulator,true)

# pulumi up|preview|destroy on one stack: select (or create) the ENV stack, then run with the pack.
define pulumi_stack
	cd stacks/$(1) && pulumi stack select --create $(ENV) --non-interactive >/dev/null && pulumi $(2)
endef

# SHARDED=1: each stack of the layout, after the stacks it reads, JOBS at a time (offline_preview.shard_run).
SHARD_RUN = $(VENV)/bin/python -m offline_preview.shard_run --env $(ENV) --jobs $(JOBS) $(if $(CHANGED),--base "$$BASE") \
  $(if $(ONLY),--only "$$ONLY")
# The offline preview of the sharded layout: every stack, or with CHANGED=1 the changed ones and what they read.
SHARD_KEYS = $(VENV)/bin/python -m offline_preview.shard_plan changed --env $(ENV) --base "$$BASE" --keys

deploy-all: check-env check-pulumi install ## deploy registry -> replication -> access, each with the policy pack
	@$(local-up)
ifneq ($(SHARDED),)
	@$(SHARD_RUN) -- up --yes $(PULUMI_FLAGS)
else
	@for s in $(STACKS); do echo "==> deploy $$s ($(ENV))"; \
	  ( $(call pulumi_stack,$$s,up --yes $(PULUMI_FLAGS)) ) || exit 1; done
endif

deploy: check-env check-stack check-pulumi install ## deploy one stack: make deploy STACK=access
	@$(local-up)
	$(call pulumi_stack,$(STACK),up --yes $(PULUMI_FLAGS))

# Without the CLI (or with OFFLINE=1) previews are the offline preview: mocks, the pack, checkov.
preview-all: check-env install ## preview all three stacks with the policy pack (offline when pulumi is absent)
ifneq ($(SHARDED),)
	@set -f; if [ -n "$(OFFLINE)" ] || ! command -v pulumi >/dev/null 2>&1; then \
	  keys=; if [ -n "$(CHANGED)" ]; then keys=$$($(SHARD_KEYS)) || exit 2; set -- --only-stacks "$$keys"; fi; \
	  $(VENV)/bin/offline-preview --env $(ENV) --sharded "$$@" $$PREVIEW_FLAGS; \
	else $(local-up) && $(SHARD_RUN) -- preview $(PULUMI_FLAGS); fi
else
	@set -f; if [ -n "$(OFFLINE)" ] || ! command -v pulumi >/dev/null 2>&1; then \
	  $(VENV)/bin/offline-preview --env $(ENV) $$PREVIEW_FLAGS; \
	else $(local-up) && for s in $(STACKS); do echo "==> preview $$s ($(ENV))"; \
	  ( $(call pulumi_stack,$$s,preview $(PULUMI_FLAGS)) ) || exit 1; done; fi
endif

preview: $(if $(PROJECT),,check-env) install ## preview one stack (STACK=access) or any Pulumi Python project (PROJECT=dir)
	@set -f; if [ -n "$$PROJECT" ]; then $(VENV)/bin/offline-preview --project "$$PROJECT" --env $(ENV) $$PREVIEW_FLAGS; \
	elif [ -n "$(OFFLINE)" ] || ! command -v pulumi >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory check-stack && $(VENV)/bin/offline-preview --env $(ENV) --stack $(STACK) $$PREVIEW_FLAGS; \
	else $(MAKE) --no-print-directory check-stack && $(local-up) && $(call pulumi_stack,$(STACK),preview $(PULUMI_FLAGS)); fi

# Protected resources (repositories, KMS keys) are never destroyed: see "Renaming or removing a model".
destroy-all: check-env check-pulumi install ## destroy access -> replication -> registry, keeping protected resources
ifneq ($(SHARDED),)
	@$(SHARD_RUN) --reverse -- destroy --yes --exclude-protected --non-interactive
else
	@for s in $(REVERSED); do echo "==> destroy $$s ($(ENV))"; \
	  ( $(call pulumi_stack,$$s,destroy --yes --exclude-protected --non-interactive) ) || exit 1; done
endif

destroy: check-env check-stack check-pulumi install ## destroy one stack's unprotected resources
	$(call pulumi_stack,$(STACK),destroy --yes --exclude-protected --non-interactive)

# Exit status: GNU make itself ends with 2 whenever a recipe fails, whatever the recipe's status; the
# tool's own status (1 BLOCKED or a failed revision, 2 usage, 3 access broadens) is in make's last line,
# "make: *** [Makefile:NN: diff] Error 3". CI that branches on it runs the tool directly (README).
diff: check-env install ## what changed since BASE (a git revision): per resource, per principal, BLOCKED deletions
	@set -f; status=0; $(VENV)/bin/offline-preview diff --base "$$BASE" --env $(ENV) $$DIFF_FLAGS || status=$$?; \
	  if [ -n "$$DIFF_STATUS_FILE" ]; then echo "$$status" >"$$DIFF_STATUS_FILE"; fi; exit $$status

# Moving ENV's stacks to the sharded layout: `pulumi state move` and `stack rename` only (docs/shards.md).
shard-migration: check-env install ## the plan (and diff: moved, or BLOCKED) that moves ENV to the sharded layout; APPLY=1 runs it
	$(VENV)/bin/python -m offline_preview.migration --env $(ENV) $(if $(APPLY),--apply)

deployer-policies: check-env install ## write each stack owner's least-privilege deployer policy for ENV to build/deployer-policies/ENV/
	$(VENV)/bin/python -m deployer_policies --env $(ENV) --out build/deployer-policies/$(ENV)

pack-bundle: install ## write the publishable policy pack (with the leaf package aws-facts inside) to build/policy-pack/
	$(VENV)/bin/python -m pack_bundle build/policy-pack

bench: install ## time the offline preview on catalogs of 10, 100, 1,000 and 10,000 models (~3 min)
	$(VENV)/bin/python bench/preview_bench.py

clean: ## remove build output (not the local state)
	rm -rf build .pytest_cache
