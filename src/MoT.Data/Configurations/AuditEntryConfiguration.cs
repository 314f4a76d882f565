using MoT.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MoT.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.UserName).HasMaxLength(64);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.TargetId).HasMaxLength(128);
        builder.Property(a => a.RemoteAddress).HasMaxLength(64);
        builder.Property(a => a.Outcome).HasMaxLength(500);
        // The page reads newest first, filtered by user or action.
        builder.HasIndex(a => a.At);
        builder.HasIndex(a => new { a.UserName, a.At });
        builder.HasIndex(a => new { a.Action, a.At });
    }
}
