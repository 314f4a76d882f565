namespace MoT.Dashboard.Auditing;

/// <summary>
/// The address of the client this scope serves: set per HTTP request by <see cref="AuditingExtensions.UseClientAddress"/>,
/// and for a Blazor circuit by the root component from the page request that started it (a circuit has no HttpContext).
/// </summary>
public sealed class ClientAddress
{
    public string? Value { get; set; }
}
