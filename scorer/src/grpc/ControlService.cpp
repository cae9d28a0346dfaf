#include "grpc/ControlService.h"

#include <cstdio>

#include "common/Time.h"
#include "features/TransactionSchema.h"

namespace fraud {
namespace {

void setTime(google::protobuf::Timestamp* ts, const std::string& rfc3339) {
    if (const auto ms = parseRfc3339(rfc3339))
        setEpochMillis(ts, *ms);
}

// Numbers of a manifest's metrics, flattened with dotted names ("test.roc_auc").
void flatten(const nlohmann::json& j, const std::string& prefix,
             google::protobuf::Map<std::string, double>* out) {
    if (j.is_number()) {
        (*out)[prefix] = j.get<double>();
    } else if (j.is_object()) {
        for (const auto& [key, value] : j.items())
            flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    }
}

void toProto(const AuditVerification& v, v1::AuditVerification* out) {
    out->set_intact(v.intact());
    out->set_lines(static_cast<std::uint32_t>(v.lines));
    out->set_chained(static_cast<std::uint32_t>(v.chained));
    out->set_unchained(static_cast<std::uint32_t>(v.unchained));
    out->set_anchored(v.anchored);
    out->set_summary(v.summary());
    out->set_head_sha256(v.headSha256);
    for (const auto& f : v.findings) {
        auto* finding = out->add_findings();
        finding->set_kind(toString(f.kind));
        finding->set_line(static_cast<std::uint32_t>(f.line));
        finding->set_detail(f.detail);
        finding->set_tampering(f.tampering());
    }
}

grpc::Status invalid(const std::string& message) {
    return {grpc::StatusCode::INVALID_ARGUMENT, message};
}

template <typename Request>
auto termsOf(const Request& r) {
    return ControlService::ChangeTerms{r.reason(), r.expected_generation(), r.annotations(),
                                       r.lease_id()};
}

// Audit annotations stay small: the audit log is read whole by every console.
std::optional<grpc::Status> checkAnnotations(
    const google::protobuf::Map<std::string, std::string>& annotations) {
    constexpr std::size_t kMaxKeys = 16;
    constexpr std::size_t kMaxBytes = 16 * 1024;
    if (annotations.size() > kMaxKeys)
        return invalid("annotations: at most " + std::to_string(kMaxKeys) + " keys");
    std::size_t bytes = 0;
    for (const auto& [key, value] : annotations) {
        if (key.empty())
            return invalid("annotations: an empty key");
        bytes += key.size() + value.size();
    }
    if (bytes > kMaxBytes)
        return invalid("annotations: at most " + std::to_string(kMaxBytes) + " bytes in all");
    return std::nullopt;
}

// Plans and progress are JSON objects of at most 1 MiB: a step's evidence is a few numbers an
// interval, so a day-long step at 10 s intervals stays far below it.
std::optional<grpc::Status> parseObject(const std::string& field, const std::string& text,
                                        nlohmann::json& out) {
    constexpr std::size_t kMaxBytes = 1 << 20;
    if (text.size() > kMaxBytes)
        return invalid(field + ": over 1 MiB");
    out = nlohmann::json::parse(text, nullptr, false);
    if (out.is_discarded())
        return invalid(field + ": not valid JSON");
    if (!out.is_object())
        return invalid(field + ": not a JSON object");
    return std::nullopt;
}

std::optional<grpc::Status> checkTtl(std::int64_t ttlMs) {
    if (ttlMs < kMinLeaseTtlMs || ttlMs > kMaxLeaseTtlMs) {
        return invalid("ttl_ms: " + std::to_string(ttlMs) + " is outside " +
                       std::to_string(kMinLeaseTtlMs) + ".." + std::to_string(kMaxLeaseTtlMs));
    }
    return std::nullopt;
}

// `withId`: the caller's own lease; everybody else sees who holds it, never its id.
void leaseToProto(const RunnerLease& lease, EpochMillis now, bool withId, v1::RunnerLease* out) {
    out->set_holder(lease.holder);
    out->set_identity(lease.identity);
    if (withId)
        out->set_lease_id(lease.leaseId);
    setEpochMillis(out->mutable_acquired(), lease.acquiredMs);
    setEpochMillis(out->mutable_renewed(), lease.renewedMs);
    setEpochMillis(out->mutable_expires(), lease.expiresMs);
    out->set_ttl_ms(lease.ttlMs);
    out->set_remaining_ms(std::max<std::int64_t>(0, lease.expiresMs - now));
    out->set_expired(lease.expiredAt(now));
}

void leaseDecisionToProto(const LeaseDecision& d, EpochMillis now, v1::LeaseResponse* out) {
    out->set_granted(d.granted);
    out->set_reason(d.reason);
    if (!d.lease.holder.empty())
        leaseToProto(d.lease, now, d.granted, out->mutable_lease());
}

// Each input of a model of `schema`, with the raw fields it depends on: the transaction
// schema's from its feature table, a vector schema's are the named fields themselves.
void describeFeatures(const FeatureSchema& schema, v1::ModelInfo& info) {
    const auto builtin = transactionFeatures();
    for (const auto& name : schema.features) {
        auto* f = info.add_features();
        f->set_name(name);
        f->set_cyclic(std::find(schema.cyclic.begin(), schema.cyclic.end(), name) !=
                      schema.cyclic.end());
        if (schema.kind == FeatureSchema::Kind::Vector) {
            f->add_depends_on("features[" + name + "]");
            continue;
        }
        const auto it = std::find_if(builtin.begin(), builtin.end(),
                                     [&](const auto& t) { return t.name == name; });
        if (it == builtin.end())
            continue;
        f->set_description(std::string(it->description));
        for (const auto field : it->rawFields)
            f->add_depends_on(std::string(field));
    }
}

}  // namespace

ControlService::ControlService(ModelRegistry registry, RolloutFollower& follower,
                               AccessPolicy& access, ScorerMetrics& metrics, std::string replica,
                               ChangeRateLimiter::Options changeLimit)
    : registry_(std::move(registry)),
      follower_(follower),
      access_(access),
      metrics_(metrics),
      changeLimit_(changeLimit),
      replica_(std::move(replica)) {}

std::optional<grpc::Status> ControlService::overChangeLimit(const AccessPolicy::Identity& who) {
    const auto wait = changeLimit_.waitBeforeChange(who.name);
    if (!wait)
        return std::nullopt;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(wait->count()) / 1000);
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        who.name + ": control changes are limited to " +
            std::to_string(static_cast<int>(changeLimit_.options().perMinute)) + " a minute, " +
            std::to_string(static_cast<int>(changeLimit_.options().burst)) +
            " at once (--change-rate-limit); the next is allowed in " + seconds + " s");
}

void ControlService::setReplica(std::string replica) {
    std::lock_guard lock(replicaMutex_);
    replica_ = std::move(replica);
}

void ControlService::toProto(const RolloutState& state, v1::RolloutState* out) {
    out->set_generation(state.generation);
    out->set_stable_version(state.stable);
    out->set_canary_version(state.canary);
    out->set_canary_weight_bp(state.canaryWeightBp);
    out->set_mode(state.mode == RolloutMode::Shadow ? v1::ROLLOUT_MODE_SHADOW
                                                    : v1::ROLLOUT_MODE_SPLIT);
    out->set_who(state.who);
    setTime(out->mutable_when(), state.when);
    out->set_why(state.why);
}

template <typename Body>
grpc::ServerUnaryReactor* ControlService::handle(const char* method,
                                                 grpc::CallbackServerContext* context,
                                                 AccessPolicy::Role role, Body&& body) {
    auto* reactor = context->DefaultReactor();
    const auto decision = access_.authorize(context, role);
    grpc::Status status = decision.status;
    if (decision.identity) {
        try {
            status = body(*decision.identity);
        } catch (const std::exception& e) {
            status = {grpc::StatusCode::INTERNAL, e.what()};
        }
    }
    metrics_.countControl(method, status.error_code());
    reactor->Finish(status);
    return reactor;
}

grpc::ServerUnaryReactor* ControlService::GetStatus(grpc::CallbackServerContext* context,
                                                    const v1::GetStatusRequest*,
                                                    v1::ReplicaStatus* response) {
    return handle("GetStatus", context, AccessPolicy::Role::Viewer, [&](const auto&) {
        const auto s = follower_.status();
        {
            std::lock_guard lock(replicaMutex_);
            response->set_replica(replica_);
        }
        response->set_generation_served(s.served.generation);
        response->set_generation_seen(s.generationSeen);
        response->set_converged(s.converged && s.served.generation == s.generationSeen);
        response->set_stable_version(s.served.stable);
        response->set_canary_version(s.served.canary);
        for (const auto& f : s.failures) {
            auto* failure = response->add_load_failures();
            failure->set_version(f.version);
            failure->set_reason(f.reason);
            setEpochMillis(failure->mutable_when(), f.whenMillis);
            failure->set_generation(f.generation);
        }
        response->set_uptime_seconds(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
        toProto(s.served, response->mutable_rollout());
        response->set_draining(draining_);
        return grpc::Status::OK;
    });
}

grpc::ServerUnaryReactor* ControlService::ListModels(grpc::CallbackServerContext* context,
                                                     const v1::ListModelsRequest*,
                                                     v1::ListModelsResponse* response) {
    return handle("ListModels", context, AccessPolicy::Role::Viewer, [&](const auto&) {
        const auto rollout = registry_.readRollout().value_or(RolloutState{});
        for (const auto& version : registry_.versions()) {
            auto* info = response->add_models();
            info->set_version(version);
            info->set_role(version == rollout.stable   ? v1::MODEL_ROLE_STABLE
                           : version == rollout.canary ? v1::MODEL_ROLE_CANARY
                                                       : v1::MODEL_ROLE_ARCHIVED);
            try {
                const auto manifest = registry_.readManifest(version);
                info->set_schema(manifest.schema.id());
                flatten(manifest.metrics, "", info->mutable_metrics());
                info->set_sha256(manifest.modelSha256);
                setTime(info->mutable_created(), manifest.createdAt);
                info->set_manifest_json(manifest.toJson().dump(2));
                describeFeatures(manifest.schema, *info);
            } catch (const std::exception& e) {
                info->set_manifest_json(std::string("unreadable manifest: ") + e.what());
            }
        }
        return grpc::Status::OK;
    });
}

// Every change says why, in at most 2,000 characters (the audit log keeps it).
std::optional<grpc::Status> ControlService::checkReason(const std::string& reason) {
    if (reason.find_first_not_of(" \t\n") == std::string::npos)
        return invalid("reason: every change needs a reason");
    if (reason.size() > 2000)
        return invalid("reason: at most 2000 characters");
    return std::nullopt;
}

grpc::Status ControlService::stale(const StaleGenerationError& e) {
    const std::string message = e.what();
    const RolloutState& current = e.current();
    v1::RolloutState state;
    toProto(current, &state);
    return {grpc::StatusCode::FAILED_PRECONDITION,
            message + "; the current state: " + current.toJson().dump(), state.SerializeAsString()};
}

grpc::Status ControlService::change(const AccessPolicy::Identity& who, const char* action,
                                    const ChangeTerms& terms, const RolloutState& current,
                                    const std::function<void(RolloutState&)>& edit,
                                    v1::RolloutState* response) {
    const std::string& reason = terms.reason;
    const std::uint64_t expectedGeneration = terms.expectedGeneration;
    if (auto bad = checkReason(reason))
        return *bad;
    if (auto bad = checkAnnotations(terms.annotations))
        return *bad;
    if (auto limited = overChangeLimit(who))
        return *limited;
    if (current.generation != expectedGeneration)
        return stale(StaleGenerationError(expectedGeneration, current));
    RolloutState next = current;
    edit(next);
    // Checked once, here; a version that cannot serve never reaches rollout.json through
    // this call. Staging also keeps this replica's follower from applying the change itself.
    std::optional<RolloutFollower::Staged> staged;
    try {
        staged.emplace(follower_.stage(next));
    } catch (const std::exception& e) {
        return {grpc::StatusCode::FAILED_PRECONDITION, e.what()};
    }
    RolloutState committed;
    try {
        // The generation check under the registry's lock makes `edit` see `current` again.
        committed =
            registry_.commit(expectedGeneration, action, who.name, reason, edit,
                             {terms.annotations.begin(), terms.annotations.end()}, terms.leaseId);
    } catch (const StaleGenerationError& e) {
        return stale(e);
    } catch (const LeaseLostError& e) {
        return {grpc::StatusCode::FAILED_PRECONDITION, std::string("lease_id: ") + e.what()};
    }
    changeLimit_.changed(who.name);
    follower_.serve(std::move(*staged), committed);
    toProto(committed, response);
    return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ControlService::SetCanary(grpc::CallbackServerContext* context,
                                                    const v1::SetCanaryRequest* request,
                                                    v1::RolloutState* response) {
    return handle("SetCanary", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        if (request->weight_bp() > 10'000)
            return invalid("weight_bp: " + std::to_string(request->weight_bp()) +
                           " is over 10000 (100 %)");
        if (request->mode() != v1::ROLLOUT_MODE_UNSPECIFIED &&
            request->mode() != v1::ROLLOUT_MODE_SPLIT && request->mode() != v1::ROLLOUT_MODE_SHADOW)
            return invalid("mode: unknown");
        const std::string& version = request->version();
        try {
            ModelRegistry::checkVersionName(version);
        } catch (const std::exception& e) {
            return invalid(std::string("version: ") + e.what());
        }
        if (!registry_.hasVersion(version))
            return grpc::Status(grpc::StatusCode::NOT_FOUND,
                                "version: " + version + " is not in the registry");
        const auto current = registry_.readRollout();
        if (!current)
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                "the registry has no rollout");
        if (version == current->stable)
            return invalid("version: " + version + " is the stable version already");
        const RolloutMode mode =
            request->mode() == v1::ROLLOUT_MODE_SHADOW ? RolloutMode::Shadow : RolloutMode::Split;
        return change(
            who, "set_canary", termsOf(*request), *current,
            [&](RolloutState& s) {
                s.canary = version;
                s.canaryWeightBp = request->weight_bp();
                s.mode = mode;
            },
            response);
    });
}

grpc::ServerUnaryReactor* ControlService::Promote(grpc::CallbackServerContext* context,
                                                  const v1::ChangeRequest* request,
                                                  v1::RolloutState* response) {
    return handle("Promote", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        const auto current = registry_.readRollout();
        if (!current || current->canary.empty())
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                "there is no canary to promote");
        return change(
            who, "promote", termsOf(*request), *current,
            [](RolloutState& s) {
                s.stable = s.canary;
                s.canary.clear();
                s.canaryWeightBp = 0;
                s.mode = RolloutMode::Split;
            },
            response);
    });
}

grpc::ServerUnaryReactor* ControlService::Rollback(grpc::CallbackServerContext* context,
                                                   const v1::ChangeRequest* request,
                                                   v1::RolloutState* response) {
    return handle("Rollback", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        const auto current = registry_.readRollout();
        const auto previous = registry_.previousStable();
        if (!current || !previous) {
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                "the audit log names no earlier stable version to roll back to");
        }
        return change(
            who, "rollback", termsOf(*request), *current,
            [&](RolloutState& s) {
                s.stable = *previous;
                s.canary.clear();
                s.canaryWeightBp = 0;
                s.mode = RolloutMode::Split;
            },
            response);
    });
}

grpc::ServerUnaryReactor* ControlService::AbortCanary(grpc::CallbackServerContext* context,
                                                      const v1::ChangeRequest* request,
                                                      v1::RolloutState* response) {
    return handle("AbortCanary", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        const auto current = registry_.readRollout();
        if (!current || current->canary.empty())
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                "there is no canary to abort");
        return change(
            who, "abort_canary", termsOf(*request), *current,
            [](RolloutState& s) {
                s.canary.clear();
                s.canaryWeightBp = 0;
                s.mode = RolloutMode::Split;
            },
            response);
    });
}

grpc::ServerUnaryReactor* ControlService::GetAuditLog(grpc::CallbackServerContext* context,
                                                      const v1::GetAuditLogRequest* request,
                                                      v1::AuditLog* response) {
    return handle("GetAuditLog", context, AccessPolicy::Role::Viewer, [&](const auto&) {
        const auto [audit, verification] = registry_.readVerifiedAudit();
        for (auto it = audit.rbegin(); it != audit.rend(); ++it) {
            if (request->limit() > 0 &&
                response->entries_size() >= static_cast<int>(request->limit()))
                break;
            auto* entry = response->add_entries();
            setTime(entry->mutable_when(), it->when);
            entry->set_who(it->who);
            entry->set_action(it->action);
            entry->set_why(it->why);
            if (it->before)
                toProto(*it->before, entry->mutable_before());
            toProto(it->after, entry->mutable_after());
            for (const auto& [key, value] : it->annotations)
                (*entry->mutable_annotations())[key] = value;
            entry->set_line(static_cast<std::uint32_t>(it->line));
            entry->set_chained(!it->prev.empty());
        }
        fraud::toProto(verification, response->mutable_verification());
        return grpc::Status::OK;
    });
}

grpc::ServerUnaryReactor* ControlService::WhoAmI(grpc::CallbackServerContext* context,
                                                 const v1::WhoAmIRequest*, v1::Identity* response) {
    return handle("WhoAmI", context, AccessPolicy::Role::Viewer, [&](const auto& who) {
        response->set_identity(who.name);
        response->set_role(AccessPolicy::roleName(who.role));
        response->set_tokens_required(access_.hasTokens());
        const bool canChange = access_.hasTokens() && who.role == AccessPolicy::Role::Admin;
        response->set_can_change(canChange);
        if (!access_.hasTokens())
            response->set_why_not("this scorer has no tokens file: changes are disabled");
        else if (!canChange)
            response->set_why_not(who.name + " has the viewer role: it can look, not change");
        return grpc::Status::OK;
    });
}

grpc::ServerUnaryReactor* ControlService::GetRolloutRun(grpc::CallbackServerContext* context,
                                                        const v1::GetRolloutRunRequest*,
                                                        v1::RolloutRun* response) {
    return handle("GetRolloutRun", context, AccessPolicy::Role::Viewer, [&](const auto&) {
        const auto run = registry_.readRun();
        runToProto(run, response);
        if (const auto lease = registry_.readLease())
            leaseToProto(*lease, wallClockMillis(), false, response->mutable_lease());
        if (const auto rollout = registry_.readRollout())
            toProto(*rollout, response->mutable_rollout());
        return grpc::Status::OK;
    });
}

void ControlService::runToProto(const RolloutRun& run, v1::RolloutRun* out) {
    out->set_revision(run.revision);
    out->set_plan_json(run.plan.dump());
    out->set_progress_json(run.progress.dump());
    out->set_who(run.who);
    setTime(out->mutable_when(), run.when);
    out->set_why(run.why);
}

grpc::ServerUnaryReactor* ControlService::UpdateRolloutRun(
    grpc::CallbackServerContext* context, const v1::UpdateRolloutRunRequest* request,
    v1::RolloutRun* response) {
    return handle("UpdateRolloutRun", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        if (auto bad = checkReason(request->reason()))
            return *bad;
        nlohmann::json plan;  // null: keep
        if (!request->plan_json().empty()) {
            if (auto bad = parseObject("plan_json", request->plan_json(), plan))
                return *bad;
        }
        nlohmann::json progress;
        if (auto bad = parseObject("progress_json", request->progress_json(), progress))
            return *bad;
        // A person's action counts; a runner's progress under its lease does not.
        const bool counted = request->lease_id().empty();
        if (counted) {
            if (auto limited = overChangeLimit(who))
                return *limited;
        }
        try {
            const auto run =
                registry_.updateRun(request->expected_revision(), who.name, request->reason(), plan,
                                    progress, request->lease_id());
            if (counted)
                changeLimit_.changed(who.name);
            runToProto(run, response);
        } catch (const StaleRevisionError& e) {
            // The details name the record that won, without its plan and progress: those can
            // be far larger than the metadata a client accepts (8 KiB by default), and a writer
            // that lost reads the whole record again with GetRolloutRun anyway.
            v1::RolloutRun current;
            runToProto(e.current(), &current);
            current.clear_plan_json();
            current.clear_progress_json();
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                std::string(e.what()) + "; last written by " + e.current().who +
                                    " at " + e.current().when + ": " + e.current().why,
                                current.SerializeAsString());
        } catch (const LeaseLostError& e) {
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                std::string("lease_id: ") + e.what());
        }
        return grpc::Status::OK;
    });
}

grpc::ServerUnaryReactor* ControlService::AcquireRunnerLease(grpc::CallbackServerContext* context,
                                                             const v1::AcquireLeaseRequest* request,
                                                             v1::LeaseResponse* response) {
    return handle("AcquireRunnerLease", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        if (request->holder().empty() || request->holder().size() > 200)
            return invalid("holder: 1 to 200 characters naming the runner");
        if (auto bad = checkTtl(request->ttl_ms()))
            return *bad;
        if (auto limited = overChangeLimit(who))
            return *limited;
        const auto now = wallClockMillis();
        const auto decision =
            registry_.acquireLease(request->holder(), who.name, request->ttl_ms(), now);
        if (decision.granted)
            changeLimit_.changed(who.name);
        leaseDecisionToProto(decision, now, response);
        return grpc::Status::OK;
    });
}

grpc::ServerUnaryReactor* ControlService::RenewRunnerLease(grpc::CallbackServerContext* context,
                                                           const v1::RenewLeaseRequest* request,
                                                           v1::LeaseResponse* response) {
    return handle("RenewRunnerLease", context, AccessPolicy::Role::Admin, [&](const auto&) {
        if (request->lease_id().empty())
            return invalid("lease_id: empty");
        if (auto bad = checkTtl(request->ttl_ms()))
            return *bad;
        const auto now = wallClockMillis();
        const auto decision = registry_.renewLease(request->lease_id(), request->ttl_ms(), now);
        leaseDecisionToProto(decision, now, response);
        return grpc::Status::OK;
    });
}

grpc::ServerUnaryReactor* ControlService::ReleaseRunnerLease(grpc::CallbackServerContext* context,
                                                             const v1::ReleaseLeaseRequest* request,
                                                             v1::LeaseResponse* response) {
    return handle("ReleaseRunnerLease", context, AccessPolicy::Role::Admin, [&](const auto& who) {
        if (request->lease_id().empty())
            return invalid("lease_id: empty");
        if (auto limited = overChangeLimit(who))
            return *limited;
        response->set_granted(registry_.releaseLease(request->lease_id()));
        if (response->granted())
            changeLimit_.changed(who.name);
        else
            response->set_reason("this lease is not the current one");
        return grpc::Status::OK;
    });
}

}  // namespace fraud
