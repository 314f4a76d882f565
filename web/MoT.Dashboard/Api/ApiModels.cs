using System.Text.Json;
using MoT.Contracts.Sweeps;

namespace MoT.Dashboard.Api;

/// <summary>Launch one run: its config (a JSON object, as the New run page edits it) and a priority within the role's bounds.</summary>
public sealed record LaunchRunRequest(JsonElement Config, int Priority = 0);

/// <summary>Resume a run from its last checkpoint; additionalSteps more steps (at least 1), or none to finish an interrupted run's plan.</summary>
public sealed record ResumeRequest(long? AdditionalSteps = null);

/// <summary>Fork a run from its last checkpoint, optionally with a changed config.</summary>
public sealed record ForkRequest(JsonElement? Config = null);

/// <summary>Transition-tune a MoT run into a token-choice model with this target config.</summary>
public sealed record TransitionTuneRequest(JsonElement Config);

/// <summary>A run created by a command.</summary>
public sealed record RunCreated(Guid RunId);

/// <summary>What a cancel did (<see cref="Changed"/> false: it was already finished).</summary>
public sealed record CommandOutcome(bool Changed, string Message);

/// <summary>A metric's points, at most the requested number, evenly strided with the first and last kept.</summary>
public sealed record MetricPointDto(long Step, double Value);

public sealed record MetricSeriesDto(string Name, int RecordedPoints, IReadOnlyList<MetricPointDto> Points);

/// <summary>A submitted sweep and the runs it queued.</summary>
public sealed record SweepCreated(Guid SweepId, IReadOnlyList<Guid> RunIds, int? Seed);

/// <summary>A refused sweep: every problem, each named by its key path in the document.</summary>
public sealed record SweepRefused(IReadOnlyList<SpecError> Errors);

/// <summary>Who the token acts for (what <c>mot login</c> checks).</summary>
public sealed record WhoAmI(string UserName, string Role);
