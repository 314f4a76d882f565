namespace MoT.Dashboard.Auditing;

/// <summary>The action names in the audit log, in one place so the page's filter and the writers agree.</summary>
public static class AuditActions
{
    public const string RunLaunch = "run.launch", RunCancel = "run.cancel", RunResume = "run.resume", RunFork = "run.fork",
        RunTransitionTune = "run.transition-tune", RunAnnotate = "run.annotate";

    public const string SweepSubmit = "sweep.submit", SweepCancel = "sweep.cancel", SweepPause = "sweep.pause",
        SweepResume = "sweep.resume", SweepExtend = "sweep.extend";

    public const string CheckpointPin = "checkpoint.pin", CheckpointUnpin = "checkpoint.unpin";

    public const string SignIn = "account.sign-in", PasswordChange = "account.password", AccountSet = "account.set";

    public const string TokenCreate = "token.create", TokenRevoke = "token.revoke";

    /// <summary>A viewer tried something only researchers and admins may do.</summary>
    public const string PermissionDenied = "permission";

    public static readonly IReadOnlyList<string> Prefixes = ["run.", "sweep.", "checkpoint.", "account.", "token.", PermissionDenied];
}
