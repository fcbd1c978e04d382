/* offload plugin SDK — everything a plugin needs, in one include. */
#pragma once

#include "abi.h"
#include "cancel.h"
#include "framework.h"
#include "framework_discovery.h"
#include "framework_filters.h"
#include "framework_live.h"
#include "host.h"
#include "host_process.h"
#include "input.h"
#include "plugin.h"
#include "provider.h"
#include "provider_exec.h"
#include "sizes.h"
