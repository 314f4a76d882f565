namespace MoT.Data.Entities;

/// <summary>
/// One change someone made (or tried to make) through the dashboard: who, what, on which target, from where, when and
/// how it ended. Rows are only ever added.
/// </summary>
public class AuditEntry
{
    public long Id { get; set; }

    /// <summary>When the change was recorded (UTC).</summary>
    public DateTime At { get; set; }

    /// <summary>The signed-in user's name, or the name tried for a sign-in.</summary>
    public required string UserName { get; set; }

    /// <summary>What was done, as a short dotted verb: <c>run.cancel</c>, <c>sweep.submit</c>, <c>account.password</c>.</summary>
    public required string Action { get; set; }

    /// <summary>The run, sweep, checkpoint or account acted on; null when there is none (a new sweep that was refused).</summary>
    public string? TargetId { get; set; }

    /// <summary>The client's IP address as the dashboard saw it; null when unknown.</summary>
    public string? RemoteAddress { get; set; }

    /// <summary><c>ok</c>, <c>denied</c>, or a one-line reason it did not change anything.</summary>
    public required string Outcome { get; set; }
}
