// The public contract of core: errors, the pipeline model and its loader,
// connection URLs, time, schedules, secret masking and templates.
#pragma once

#include "core/clock.h"
#include "core/error.h"
#include "core/mask.h"
#include "core/pipeline.h"
#include "core/schedule.h"
#include "core/template.h"
#include "core/url.h"
