using Microsoft.EntityFrameworkCore;
using MoT.Data;

namespace MoT.Dashboard.Auditing;

/// <summary>One row of the audit page.</summary>
public sealed record AuditRow(long Id, DateTime At, string UserName, string Action, string? TargetId, string? RemoteAddress, string Outcome);

/// <summary>A page of audit rows and how many match in all.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, int Total);

/// <summary>Reads the audit log for the admin page: newest first, paged, filtered by exact user name and action prefix.</summary>
public sealed class AuditLogQuery(IDbContextFactory<MotDbContext> contexts)
{
    public const int MaxPageSize = 200;

    public async Task<AuditPage> PageAsync(string? userName, string? action, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        page = Math.Max(page, 0);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.AuditLog.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(userName)) query = query.Where(a => a.UserName == userName.Trim());
        if (!string.IsNullOrWhiteSpace(action)) query = query.Where(a => a.Action.StartsWith(action.Trim()));
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(a => a.Id) // ids grow with time: newest first, stable under equal timestamps
            .Skip(page * pageSize).Take(pageSize)
            .Select(a => new AuditRow(a.Id, a.At, a.UserName, a.Action, a.TargetId, a.RemoteAddress, a.Outcome))
            .ToListAsync(cancellationToken);
        return new AuditPage(rows, total);
    }
}
