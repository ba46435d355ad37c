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
MOTO_PORT ?= 5055
# The sharded layout (docs/shards.md): SHARDED=1 runs every <env>.core and <env>.<shard> stack instead of the
# three <env> stacks, independent ones concurrently, at most JOBS at a time (`make -j N` sets it; default: the
# cores); CHANGED=1 only the stacks a change since BASE touches.
SHARDED ?=
CHANGED ?=
ONLY ?=
JOBS ?= $(or $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS))),$(shell nproc 2>/dev/null || echo 2))
# Where `make plan-all` writes each stack's saved plan, and where `make deploy-all PLANS=1` reads it from.
PLAN_DIR ?= build/plans/$(ENV)
PLANS ?=
YES ?=
# Command-line variables are data. make would expand `$(shell ...)` in a value each time it is used (and
# when exporting it), so every variable a person sets (on the command line or in the environment) is first
# frozen to its literal text: `$(value X)` read once into a simple variable, never expanded again.
USER_VARIABLES := ENV STACK PROJECT BASE OFFLINE PREVIEW_FLAGS DIFF_FLAGS DIFF_STATUS_FILE MOTO_PORT SHARDED CHANGED ONLY JOBS \
  PLAN_DIR PLANS YES IMAGE
$(foreach v,$(USER_VARIABLES),$(if $(filter command% environment%,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
# Free-text variables reach the tools through the environment, never pasted into a shell command line:
# `make diff 'BASE=HEAD; echo x'` is a revision git does not know, not a command. Option lists are split
# into words by the shell with globbing off (`set -f; ... $$PREVIEW_FLAGS`): words, never commands.
export $(USER_VARIABLES)
# PLAN_DIR is pasted into commands as a path: characters a shell would read are refused, naming it.
$(if $(filter command% environment% override,$(origin PLAN_DIR)),$(foreach c,$$ ` ; ' " ( ) | & < > \,$(if $(findstring $(c),$(value PLAN_DIR)),$(error PLAN_DIR '$(value PLAN_DIR)' holds '$(c)': a folder path only; nothing was run))))

# The pulumi CLI: the one on PATH, else the one `make deploy-all` installs into .bootstrap/pulumi/ (the
# version of the pulumi SDK locked in uv.lock, checked against its published checksum).
PULUMI_DIR ?= $(CURDIR)/.bootstrap/pulumi
export PATH := $(PULUMI_DIR):$(PATH)

PYTHON ?= python3
UV_VERSION := 0.13.8
CHECKOV_VERSION := 3.3.30
UV := .bootstrap/bin/uv
VENV := .venv
TOOLS := .tools
CHECKOV := $(TOOLS)/bin/checkov
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
.PHONY: help install tools test lint check-pulumi check-confirmed check-plans check-stack check-env emulator emulator-stop \
        local-reset pulumi-cli deploy-all preview-all plan-all destroy-all deploy preview destroy diff deployer-policies \
        pack-bundle bench clean shard-migration shard-moves gate

# `make help`: every target with a `## ` description ($(NAME) shown with its value), then the variables.
HELP_VARS := ENV STACK PROJECT BASE OFFLINE PREVIEW_FLAGS DIFF_FLAGS DIFF_STATUS_FILE PLAN_DIR PLANS YES IMAGE MOTO_PORT SHARDED CHANGED ONLY JOBS
HELP_ROW := printf '  %-17s %-18s %s\n'

help: ## list the targets and the variables
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' -v names="$(HELP_VARS)" ' \
	  function subst(text, name,   key, at, out) { key = "$$(" name ")"; out = ""; \
	    while ((at = index(text, key)) > 0) { out = out substr(text, 1, at - 1) ENVIRON[name]; text = substr(text, at + length(key)) } \
	    return out text } \
	  { description = $$2; count = split(names, vs, " "); for (i = 1; i <= count; i++) description = subst(description, vs[i]); \
	    printf "  make %-18s %s\n", $$1, description }'
	@echo
	@echo "Variables (make TARGET NAME=value):"
	@$(HELP_ROW) NAME "NOW" "MEANING"
	@$(HELP_ROW) ENV "$$ENV" "the environment and stack name: local (the emulator), dev or prod"
	@$(HELP_ROW) STACK "$$STACK" "one stack for deploy, preview, destroy: registry, replication or access"
	@$(HELP_ROW) PROJECT "$$PROJECT" "preview this Pulumi Python project directory offline instead"
	@$(HELP_ROW) BASE "$$BASE" "the git revision that make diff compares with, e.g. origin/main"
	@$(HELP_ROW) OFFLINE "$$OFFLINE" "1: preview offline even where the pulumi CLI is installed"
	@$(HELP_ROW) PREVIEW_FLAGS "$$PREVIEW_FLAGS" "offline-preview options: --json, --json-file F, --sarif F, --junit F"
	@$(HELP_ROW) DIFF_FLAGS "$$DIFF_FLAGS" "make diff options: --json, --detail, --mermaid F (the access picture, Markdown)"
	@$(HELP_ROW) DIFF_STATUS_FILE "$$DIFF_STATUS_FILE" "make diff writes the tool's own exit status (0, 1, 2, 3) to this file"
	@$(HELP_ROW) PLAN_DIR "$$PLAN_DIR" "where make plan-all saves each stack's plan (pulumi preview --save-plan)"
	@$(HELP_ROW) PLANS "$$PLANS" "1: make deploy-all applies exactly the plans in PLAN_DIR (pulumi up --plan)"
	@$(HELP_ROW) YES "$$YES" "1: deploy or destroy ENV=dev|prod from a terminal without the confirmation question"
	@$(HELP_ROW) IMAGE "$$IMAGE" "make gate: the image to judge, <repository>@sha256:<digest>"
	@$(HELP_ROW) MOTO_PORT "$$MOTO_PORT" "the port of the local AWS emulator (ENV=local)"
	@$(HELP_ROW) SHARDED "$$SHARDED" "1: the sharded layout, <env>.core and <env>.<shard> stacks (docs/shards.md)"
	@$(HELP_ROW) CHANGED "$$CHANGED" "1 (with SHARDED=1): only the stacks a change since BASE touches"
	@$(HELP_ROW) ONLY "$$ONLY" "SHARDED=1: only these project/stack keys, e.g. registry/dev.nlp,access/dev.nlp"
	@$(HELP_ROW) JOBS "$$JOBS" "SHARDED=1: stacks run at once, at most (make -j N sets it)"

# --- setup ------------------------------------------------------------------------------------

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv .bootstrap
	.bootstrap/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml $(UV)
	$(UV) sync --locked --quiet --compile-bytecode
	@touch $@

$(CHECKOV): $(UV)
	UV_TOOL_DIR=$(TOOLS)/uv-tools UV_TOOL_BIN_DIR=$(TOOLS)/bin $(UV) tool install --quiet --compile-bytecode checkov==$(CHECKOV_VERSION)

install: $(VENV)/.synced $(CHECKOV) ## install the workspace and checkov (done by every target that needs them)

tools: $(CHECKOV) ## install checkov as an isolated tool

# One pytest worker per core (pytest-xdist); a test file's tests share a worker, so its session fixtures run once.
# The workspace's own sources are compiled first: with PYTHONDONTWRITEBYTECODE set (as on this project's machine)
# every process a test starts (the pack, the CLIs, the stacks) would otherwise compile them again (docs/testing.md).
test: install ## run the test suite on every core (no AWS account or pulumi CLI needed)
	$(VENV)/bin/python -m compileall -q -j 0 aws-facts shared policy-pack tools stacks bench >/dev/null
	$(VENV)/bin/pytest -n auto --dist loadfile

# actionlint checks the workflows (expressions, action inputs, permissions) and, through shellcheck on
# PATH, every `run:` script as bash; zizmor audits them for security (default persona, offline: no
# GitHub API); shellcheck checks the script CI calls; the catalog's JSON Schema is the catalog model's.
lint: install ## ruff (lint, formatting); mypy; the import layers (import-linter); actionlint, zizmor, shellcheck on CI
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared/model_registry aws-facts/aws_facts tools/deployer_policies tools/offline_preview
	$(VENV)/bin/lint-imports --no-cache
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck
	$(VENV)/bin/zizmor --offline --quiet --no-progress .github/workflows
	$(VENV)/bin/shellcheck .ci/run
	$(VENV)/bin/python -m model_registry.catalog_schema --check catalog

# --- the local AWS emulator (ENV=local) -------------------------------------------------------

# moto keeps resources in memory: every request is recorded in .moto/recording.jsonl and replayed when
# the emulator starts again, so it holds what .pulumi-state/ says exists (see tools/README.md).
emulator: $(VENV)/.synced ## start moto's server on 127.0.0.1:$(MOTO_PORT) for ENV=local (restores its resources)
	@$(VENV)/bin/python -m local_emulator start --port="$$MOTO_PORT" --dir .moto --pulumi-state .pulumi-state

emulator-stop: ## stop the local emulator (its resources stay recorded in .moto/)
	@$(VENV)/bin/python -m local_emulator stop --dir .moto

local-reset: ## forget ENV=local entirely: stop the emulator, remove .moto/ and .pulumi-state/
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m local_emulator stop --dir .moto; fi
	rm -rf .moto .pulumi-state

# --- deploy with the pulumi CLI -----------------------------------------------------------------

# The pulumi CLI on PATH, or the pinned one installed into .bootstrap/pulumi/ (with the AWS plugin at the
# locked pulumi-aws version); where the download fails, one line says so and points at `make preview-all`.
pulumi-cli: ## install the pulumi CLI of the locked SDK (and its AWS plugin) into .bootstrap/pulumi/, unless one is on PATH
	@command -v pulumi >/dev/null 2>&1 || $(PYTHON) tools/bootstrap/install_pulumi.py --dest $(PULUMI_DIR) --lock uv.lock

check-pulumi: pulumi-cli

# A deploy or destroy from a terminal to anything but ENV=local asks first; YES=1, or CI set (as every CI
# sets it), answers for you. Without a terminal to answer, nothing is deployed.
check-confirmed:
	@if [ "$(ENV)" != local ] && [ -z "$$YES" ] && [ -z "$$CI" ]; then \
	  printf '%s to ENV=%s changes real AWS resources. Type the environment name to go on: ' "$(MAKECMDGOALS)" "$(ENV)" >&2; \
	  answer=; read -r answer || true; \
	  if [ "$$answer" != "$(ENV)" ]; then \
	    echo "error: not confirmed (answer '$$answer', expected '$(ENV)'), nothing was changed; YES=1 confirms without asking" >&2; exit 1; fi; fi

# PLANS=1: every stack's saved plan must be there before anything is applied.
check-plans:
	@if [ -n "$$PLANS" ]; then for s in $(STACKS); do [ -f "$(PLAN_DIR)/$$s.plan.json" ] || { \
	  echo "error: $(PLAN_DIR)/$$s.plan.json: no saved plan; run 'make plan-all ENV=$(ENV)' first, nothing was deployed" >&2; exit 1; }; done; fi

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
SHARD_RUN = $(VENV)/bin/python -m offline_preview.shard_run --env $(ENV) --jobs "$$JOBS" $(if $(CHANGED),--base "$$BASE") \
  $(if $(ONLY),--only "$$ONLY")
# The offline preview of the sharded layout: every stack, or with CHANGED=1 the changed ones (what they read is
# evaluated once as deployed, to answer their stack references); which and why: SHARD_WHY (printed first).
SHARD_WHY = build/preview/$(ENV)/changed-stacks.md
SHARD_KEYS = $(VENV)/bin/python -m offline_preview.shard_plan changed --env $(ENV) --base "$$BASE" --keys --why $(SHARD_WHY)

# PLANS=1 applies exactly the plan `make plan-all` saved for each stack (`pulumi up --plan`: pulumi
# refuses an update that departs from it). The plan and up flags are marked experimental by pulumi.
plan_flag = $(if $(PLANS),--plan $(abspath $(PLAN_DIR))/$(1).plan.json)

deploy-all: check-env check-plans check-confirmed check-pulumi install ## deploy registry -> replication -> access, each with the policy pack (PLANS=1: the saved plans)
	@$(local-up)
ifneq ($(SHARDED),)
	@$(SHARD_RUN) -- up --yes $(PULUMI_FLAGS)
else
	@for s in $(STACKS); do echo "==> deploy $$s ($(ENV))"; \
	  ( $(call pulumi_stack,$$s,up --yes $(PULUMI_FLAGS) $(call plan_flag,$$s)) ) || exit 1; done
endif

deploy: check-env check-stack check-plans check-confirmed check-pulumi install ## deploy one stack: make deploy STACK=access
	@$(local-up)
	$(call pulumi_stack,$(STACK),up --yes $(PULUMI_FLAGS) $(call plan_flag,$(STACK)))

plan-all: check-env check-pulumi install ## save each stack's plan (pulumi preview --save-plan, with the pack) to PLAN_DIR, for deploy-all PLANS=1
	@$(local-up)
	@mkdir -p $(PLAN_DIR)
	@for s in $(STACKS); do echo "==> plan $$s ($(ENV)) -> $(PLAN_DIR)/$$s.plan.json"; \
	  ( $(call pulumi_stack,$$s,preview $(PULUMI_FLAGS) --save-plan $(abspath $(PLAN_DIR))/$$s.plan.json) ) || exit 1; done

# Without the CLI (or with OFFLINE=1) previews are the offline preview: mocks, the pack, checkov.
preview-all: check-env install ## preview all three stacks with the policy pack (offline when pulumi is absent)
ifneq ($(SHARDED),)
	@set -f; if [ -n "$$OFFLINE" ] || ! command -v pulumi >/dev/null 2>&1; then \
	  keys=; if [ -n "$$CHANGED" ]; then mkdir -p $(dir $(SHARD_WHY)) && keys=$$($(SHARD_KEYS)) || exit 2; \
	    cat $(SHARD_WHY); echo; set -- --only-stacks "$$keys"; fi; \
	  $(VENV)/bin/offline-preview --env $(ENV) --sharded "$$@" $$PREVIEW_FLAGS; \
	else $(local-up) && $(SHARD_RUN) -- preview $(PULUMI_FLAGS); fi
else
	@set -f; if [ -n "$$OFFLINE" ] || ! command -v pulumi >/dev/null 2>&1; then \
	  $(VENV)/bin/offline-preview --env $(ENV) $$PREVIEW_FLAGS; \
	else $(local-up) && for s in $(STACKS); do echo "==> preview $$s ($(ENV))"; \
	  ( $(call pulumi_stack,$$s,preview $(PULUMI_FLAGS)) ) || exit 1; done; fi
endif

preview: $(if $(PROJECT),,check-env) install ## preview one stack (STACK=access) or any Pulumi Python project (PROJECT=dir)
	@set -f; if [ -n "$$PROJECT" ]; then $(VENV)/bin/offline-preview --project="$$PROJECT" --env $(ENV) $$PREVIEW_FLAGS; \
	elif [ -n "$$OFFLINE" ] || ! command -v pulumi >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory check-stack && $(VENV)/bin/offline-preview --env $(ENV) --stack $(STACK) $$PREVIEW_FLAGS; \
	else $(MAKE) --no-print-directory check-stack && $(local-up) && $(call pulumi_stack,$(STACK),preview $(PULUMI_FLAGS)); fi

# Protected resources (repositories, KMS keys) are never destroyed: see "Renaming or removing a model".
destroy-all: check-env check-confirmed check-pulumi install ## destroy access -> replication -> registry, keeping protected resources
ifneq ($(SHARDED),)
	@$(SHARD_RUN) --reverse -- destroy --yes --exclude-protected --non-interactive
else
	@for s in $(REVERSED); do echo "==> destroy $$s ($(ENV))"; \
	  ( $(call pulumi_stack,$$s,destroy --yes --exclude-protected --non-interactive) ) || exit 1; done
endif

destroy: check-env check-stack check-confirmed check-pulumi install ## destroy one stack's unprotected resources
	$(call pulumi_stack,$(STACK),destroy --yes --exclude-protected --non-interactive)

# Exit status: GNU make itself ends with 2 whenever a recipe fails, whatever the recipe's status; the
# tool's own status (1 BLOCKED or a failed revision, 2 usage, 3 access broadens) is in make's last line,
# "make: *** [Makefile:NN: diff] Error 3". CI that branches on it runs the tool directly (docs/commands.md).
diff: check-env install ## what changed since BASE (a git revision): per resource, per principal, BLOCKED deletions
	@set -f; status=0; $(VENV)/bin/offline-preview diff --base="$$BASE" --env $(ENV) $$DIFF_FLAGS || status=$$?; \
	  if [ -n "$$DIFF_STATUS_FILE" ]; then echo "$$status" >"$$DIFF_STATUS_FILE"; fi; exit $$status

# Moving ENV's stacks to the sharded layout: `pulumi state move` and `stack rename` only (docs/shards.md).
shard-migration: check-env install ## the plan (and diff: moved, or BLOCKED) that moves ENV to the sharded layout; APPLY=1 runs it
	$(VENV)/bin/python -m offline_preview.migration --env $(ENV) $(if $(APPLY),--apply)

shard-moves: check-env install ## the state moves (diff: moved, or BLOCKED) of the models whose shard changed since BASE; APPLY=1 runs them
	$(VENV)/bin/python -m offline_preview.part_moves --env $(ENV) --base "$$BASE" $(if $(APPLY),--apply)

deployer-policies: check-env install ## write each stack owner's least-privilege deployer policy for ENV to build/deployer-policies/ENV/
	$(VENV)/bin/python -m deployer_policies --env $(ENV) --out build/deployer-policies/$(ENV)

# ENV=local asks the emulator (fake credentials, as the local stacks use); dev and prod the SDK's own
# credentials and region. IMAGE travels in the environment, never pasted into the command line.
GATE_LOCAL := $(if $(filter local,$(ENV)),--endpoint-url http://127.0.0.1:$(MOTO_PORT) --region us-east-1)
gate: check-env install ## refuse to promote IMAGE=<repository>@sha256:<digest> while a CRITICAL/HIGH finding has a fix
	@$(if $(filter local,$(ENV)),AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing) \
	  $(VENV)/bin/python -m gate "$$IMAGE" $(GATE_LOCAL)

pack-bundle: install ## write the publishable policy pack (with the leaf package aws-facts inside) to build/policy-pack/
	$(VENV)/bin/python -m pack_bundle build/policy-pack

bench: install ## time the offline preview on catalogs of 10, 100, 1,000 and 10,000 models (~3 min), then the proof over the corpus (~30 s)
	$(VENV)/bin/python bench/preview_bench.py
	$(VENV)/bin/python bench/proof_bench.py

clean: ## remove build output (not the local state)
	rm -rf build .pytest_cache
