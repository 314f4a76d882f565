using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class OrleansClustering : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Raw SQL step: the tables and named queries Orleans' ADO.NET clustering provider (Npgsql invariant) reads,
            // so silos on several machines can share membership through the platform's own database.
            // The provider looks its queries up by key in OrleansQuery and binds parameters by name (@DeploymentId, ...);
            // it reads result columns by name. Every write that changes membership also bumps the version row in the
            // same statement, guarded by the version the caller read (optimistic concurrency, as Orleans requires),
            // and returns the number of membership rows written (>0 means success).
            // Objects live in the platform's schema; ClusterMembership puts it on the connection's search path.
            migrationBuilder.Sql("""
            CREATE TABLE mot.orleansquery (
                querykey varchar(64) NOT NULL PRIMARY KEY,
                querytext varchar(8000) NOT NULL);

            CREATE TABLE mot.orleansmembershipversiontable (
                deploymentid varchar(150) NOT NULL PRIMARY KEY,
                timestamp timestamptz(3) NOT NULL DEFAULT now(),
                version integer NOT NULL DEFAULT 0);

            CREATE TABLE mot.orleansmembershiptable (
                deploymentid varchar(150) NOT NULL REFERENCES mot.orleansmembershipversiontable (deploymentid),
                address varchar(45) NOT NULL,
                port integer NOT NULL,
                generation integer NOT NULL,
                siloname varchar(150) NOT NULL,
                hostname varchar(150) NOT NULL,
                status integer NOT NULL,
                proxyport integer NULL,
                suspecttimes varchar(8000) NULL,
                starttime timestamptz(3) NOT NULL,
                iamalivetime timestamptz(3) NOT NULL,
                PRIMARY KEY (deploymentid, address, port, generation));

            INSERT INTO mot.orleansquery (querykey, querytext) VALUES
            ('InsertMembershipVersionKey', $q$
                WITH created AS (
                    INSERT INTO mot.orleansmembershipversiontable (deploymentid) VALUES (@DeploymentId)
                    ON CONFLICT (deploymentid) DO NOTHING
                    RETURNING 1)
                SELECT count(*)::integer FROM created;
            $q$),

            ('InsertMembershipKey', $q$
                WITH bumped AS (
                    UPDATE mot.orleansmembershipversiontable
                    SET version = version + 1, timestamp = now()
                    WHERE deploymentid = @DeploymentId AND version = @Version
                      AND NOT EXISTS (SELECT 1 FROM mot.orleansmembershiptable m
                                      WHERE m.deploymentid = @DeploymentId AND m.address = @Address
                                        AND m.port = @Port AND m.generation = @Generation)
                    RETURNING deploymentid),
                inserted AS (
                    INSERT INTO mot.orleansmembershiptable
                        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
                    SELECT deploymentid, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                    FROM bumped
                    RETURNING 1)
                SELECT count(*)::integer FROM inserted;
            $q$),

            ('UpdateMembershipKey', $q$
                WITH bumped AS (
                    UPDATE mot.orleansmembershipversiontable
                    SET version = version + 1, timestamp = now()
                    WHERE deploymentid = @DeploymentId AND version = @Version
                      AND EXISTS (SELECT 1 FROM mot.orleansmembershiptable m
                                  WHERE m.deploymentid = @DeploymentId AND m.address = @Address
                                    AND m.port = @Port AND m.generation = @Generation)
                    RETURNING deploymentid),
                updated AS (
                    UPDATE mot.orleansmembershiptable m
                    SET status = @Status, suspecttimes = @SuspectTimes, iamalivetime = GREATEST(m.iamalivetime, @IAmAliveTime)
                    FROM bumped
                    WHERE m.deploymentid = bumped.deploymentid AND m.address = @Address
                      AND m.port = @Port AND m.generation = @Generation
                    RETURNING 1)
                SELECT count(*)::integer FROM updated;
            $q$),

            ('UpdateIAmAlivetimeKey', $q$
                UPDATE mot.orleansmembershiptable
                SET iamalivetime = GREATEST(iamalivetime, @IAmAliveTime)
                WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
            $q$),

            ('MembershipReadRowKey', $q$
                SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
                       m.suspecttimes, m.starttime, m.iamalivetime, v.version
                FROM mot.orleansmembershipversiontable v
                LEFT JOIN mot.orleansmembershiptable m
                    ON m.deploymentid = v.deploymentid AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
                WHERE v.deploymentid = @DeploymentId;
            $q$),

            ('MembershipReadAllKey', $q$
                SELECT v.deploymentid, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
                       m.suspecttimes, m.starttime, m.iamalivetime, v.version
                FROM mot.orleansmembershipversiontable v
                LEFT JOIN mot.orleansmembershiptable m ON m.deploymentid = v.deploymentid
                WHERE v.deploymentid = @DeploymentId;
            $q$),

            ('GatewaysQueryKey', $q$
                SELECT address, proxyport, generation
                FROM mot.orleansmembershiptable
                WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;
            $q$),

            ('DeleteMembershipTableEntriesKey', $q$
                DELETE FROM mot.orleansmembershiptable WHERE deploymentid = @DeploymentId;
                DELETE FROM mot.orleansmembershipversiontable WHERE deploymentid = @DeploymentId;
            $q$),

            -- Only rows of silos declared Dead (status 6) are ever pruned.
            ('CleanupDefunctSiloEntriesKey', $q$
                DELETE FROM mot.orleansmembershiptable
                WHERE deploymentid = @DeploymentId AND status = 6
                  AND iamalivetime < @IAmAliveTime AND starttime < @IAmAliveTime;
            $q$),

            ('CleanupDefunctSiloEntryKey', $q$
                DELETE FROM mot.orleansmembershiptable
                WHERE deploymentid = @DeploymentId AND status = 6
                  AND address = @Address AND port = @Port AND generation = @Generation
                  AND iamalivetime = @IAmAliveTime AND starttime = @StartTime
                  AND COALESCE(suspecttimes, '') = COALESCE(@SuspectTimes, '');
            $q$);
            """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
            DROP TABLE mot.orleansmembershiptable;
            DROP TABLE mot.orleansmembershipversiontable;
            DROP TABLE mot.orleansquery;
            """);
        }
    }
}
