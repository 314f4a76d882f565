using Microsoft.EntityFrameworkCore;
using MoT.Data;
using MoT.Data.Entities;

namespace MoT.Dashboard.Auditing;

/// <summary>
/// Records every change made through the dashboard in the <c>audit_log</c> table: who, what, on which target, from
/// where (this scope's <see cref="ClientAddress"/>), when and how it ended. Admins read it on /admin/audit.
/// </summary>
public sealed class AuditLog(IDbContextFactory<MotDbContext> contexts, ClientAddress client, TimeProvider clock, ILogger<AuditLog> logger)
{
    public const string Ok = "ok", Denied = "denied";

    /// <summary>
    /// Adds one row. The change it describes has already happened, so a failing write does not undo or fail it: the
    /// entry goes to the log at error level instead, with every field.
    /// </summary>
    public async Task RecordAsync(string userName, string action, object? targetId, string outcome = Ok)
    {
        var entry = new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            UserName = StoredText.Fit(userName, 64),
            Action = StoredText.Fit(action, 64),
            TargetId = targetId?.ToString() is { } id ? StoredText.Fit(id, 128) : null,
            RemoteAddress = client.Value is { } address ? StoredText.Fit(address, 64) : null,
            Outcome = StoredText.Fit(outcome.ReplaceLineEndings(" "), 500),
        };
        try
        {
            await using var db = await contexts.CreateDbContextAsync();
            db.AuditLog.Add(entry);
            await db.SaveChangesAsync();
        }
        catch (Exception error)
        {
            logger.LogError(error, "Audit entry not stored: {User} {Action} {Target} from {Address}: {Outcome}",
                entry.UserName, entry.Action, entry.TargetId, entry.RemoteAddress, entry.Outcome);
        }
    }

}
